"""The organisation and the information asset register: business areas, people, assets."""
