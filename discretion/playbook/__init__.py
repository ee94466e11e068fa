"""The repair playbook: the plain-language check, the brand promise, the composer's wording."""
