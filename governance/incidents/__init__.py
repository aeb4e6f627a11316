"""Information security incidents and personal data breaches: the domain above access and contracts.

``policy`` says who sees and handles which incident; ``records`` reports, triages, decides
and closes; ``linked`` takes the linked actions through the access and contracts services;
``clock`` is the 72-hour deadline; ``reminders`` the scheduled warnings and escalation;
``queries`` the read API for other pages; ``tasks`` the home page's task list; ``export``
the ICO-shaped log.
"""
