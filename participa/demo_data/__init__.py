"""The demonstration's data: its texts (:mod:`participa.demo_data.texts`) and the files it
imports, such as the Pabulib file of Amsterdam's 2020 participatory budget (see README.md)."""
