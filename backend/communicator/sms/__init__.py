"""Pure SMS text and number helpers: segment counting, phone normalisation, #tag parsing."""
