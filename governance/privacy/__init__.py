"""The department's own data-protection records: the record of processing activities (UK GDPR
Article 30), data protection impact assessments (Article 35, prior consultation under Article 36)
and data-sharing agreements with other public bodies, and the map of where the data goes."""
