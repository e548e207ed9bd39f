"""People and organisations: applicants, office, reviewers, secretariat, Joint Committees."""
