"""Measurements for `manage.py bench` that the other areas' benchmark modules do not cover: pages,
the nightly queue build, the import, a statement worker's memory and the web server under load."""
