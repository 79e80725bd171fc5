"""The only tags and filters a message template may use (reminders.rendering's sandboxed engine).

A message template is typed by a manager and rendered for every customer, so it gets the
placeholders, the default filters and the tags that shape text, nothing that reaches files, other
templates, libraries or the context's internals: no include, extends, load, debug, ssi, url,
csrf_token. Not a library to `{% load %}`: the sandbox uses it as its builtins.
"""

from django.template import Library, defaultfilters, defaulttags

ALLOWED_TAGS = ("autoescape", "comment", "cycle", "filter", "firstof", "for", "if", "ifchanged", "now",
                "regroup", "resetcycle", "spaceless", "templatetag", "verbatim", "widthratio", "with")

register = Library()
register.filters.update(defaultfilters.register.filters)
register.tags.update({name: defaulttags.register.tags[name] for name in ALLOWED_TAGS})
