"""A tiny Sphinx extension for the book: drop duplicate inline scripts from every page.

sphinx-thebe adds its configuration script (``const THEBE_JS_URL = ...``) each time Sphinx reads the
sources, so a page can carry it twice, and the second copy raises "Identifier 'THEBE_JS_URL' has already
been declared" in the browser. Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    seen, kept = set(), []
    for js in context.get("script_files", []):
        name = getattr(js, "filename", str(js)) or None  # an inline script comes as None or ""
        key = (name, tuple(sorted(getattr(js, "attributes", {}).items())))
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", _dedupe, priority=1000)  # after everyone who adds scripts
    return {"parallel_read_safe": True, "parallel_write_safe": True}
