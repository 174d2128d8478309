"""Actors, errors, access, audit and permissions: what every service action relies on."""
