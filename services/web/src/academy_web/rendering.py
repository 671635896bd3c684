"""The Jinja2 environment every page is rendered with: one template tree for every language
(text through gettext), Babel's formats, and the values each page needs (language switch, CSRF
field)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from academy_web import forms, i18n, labels
from academy_web.security import CSRF_FIELD, csrf_token
from academy_web.settings import WebSettings

TEMPLATES = Path(__file__).parent / "templates"


def environment(translator: i18n.Translator) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translator.gettext, translator.ngettext, newstyle=True, pgettext=translator.pgettext
    )
    env.globals.update(
        when=i18n.when,
        day=i18n.day,
        span=i18n.span,
        hour=i18n.hour,
        amount=i18n.amount,
        number=i18n.number,
        size=i18n.size,
        country_name=i18n.country_name,
        country_names=i18n.country_names,
        sectors=labels.SECTORS,
        language_names=labels.LANGUAGE_NAMES,
        countries=labels.COUNTRIES,
        currencies=labels.CURRENCIES,
        categories=labels.CATEGORIES,
        document_kinds=labels.DOCUMENT_KINDS,
        claim_states=labels.CLAIM_STATES,
        decisions=labels.DECISIONS,
        screening_reasons=labels.SCREENING_REASONS,
        roles=labels.ROLES,
        label_of=lambda value: translator.gettext(labels.label(str(value))),
        field_labels=lambda errors: {
            name: forms.field_label(name, translator.gettext) for name in errors
        },
        country_options=lambda: [(c.value, i18n.country_name(c.value)) for c in labels.COUNTRIES],
        sector_options=lambda: [
            (s.value, translator.gettext(t)) for s, t in labels.SECTORS.items()
        ],
        language_options=lambda: [(c.value, t) for c, t in labels.LANGUAGE_NAMES.items()],
        category_options=lambda: [
            (c.value, translator.gettext(t)) for c, t in labels.CATEGORIES.items()
        ],
        document_options=lambda: [
            (k, translator.gettext(t)) for k, t in labels.DOCUMENT_KINDS.items()
        ],
        currency_options=lambda: [(c.value, c.value) for c in labels.CURRENCIES],
    )
    return env


def language_links(request: Request) -> list[dict[str, Any]]:
    """The same page in each language (the choice is then remembered in a cookie)."""
    links = []
    for language in i18n.LANGUAGES:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        query.append(("lang", language))
        links.append(
            {
                "code": language,
                "name": labels.LANGUAGE_NAMES[language],  # type: ignore[index]
                "href": f"{request.url.path}?{urlencode(query)}",
                "current": language == i18n.current.get(),
            }
        )
    return links


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    env: Environment = request.app.state.templates
    settings: WebSettings = request.app.state.settings
    html = env.get_template(template).render(
        request=request,
        lang=i18n.current.get(),
        languages=language_links(request),
        csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(settings.cookie_secret, request.state.csrf_cookie),
        settings=settings,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
