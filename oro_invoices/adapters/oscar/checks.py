"""Django system checks (``manage.py check``) of what the app needs of the shop: Django's CSRF
middleware, the ``ORO_INVOICES`` setting well formed, its Oscar templates not hidden (the app listed before Oscar's in ``INSTALLED_APPS``,
no template of the same name in ``TEMPLATES`` ``DIRS`` that does not build on the app's), and its
migrations applied (a database check: ``manage.py check --database default``)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import connections
from django.db.migrations.exceptions import BadMigrationError, CircularDependencyError, NodeNotFoundError
from django.db.migrations.loader import MigrationLoader
from django.middleware.csrf import CsrfViewMiddleware
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.utils.module_loading import import_string

from oro_invoices.adapters.oscar import options
from oro_invoices.adapters.oscar.tables import APP_LABEL, MIGRATE

CSRF_MIDDLEWARE = "django.middleware.csrf.CsrfViewMiddleware"


def _has_subclass(paths: Iterable[str], wanted: type) -> bool:
    for path in paths:
        try:
            found = import_string(path)
        except ImportError:
            continue
        if isinstance(found, type) and issubclass(found, wanted):
            return True
    return False


@register(Tags.security)
def csrf_middleware(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An error when ``MIDDLEWARE`` lacks Django's CSRF middleware: the add-on's forms accept a
    POST only when that middleware accepts its token, so without it every form "has expired"."""
    if _has_subclass(getattr(settings, "MIDDLEWARE", None) or (), CsrfViewMiddleware):
        return []
    return [Error(
        f"oro-invoices needs Django's CSRF middleware: without {CSRF_MIDDLEWARE} in MIDDLEWARE "
        "every form of its pages (settings, Send to Customer, payments …) is refused as expired.",
        hint=f"Add '{CSRF_MIDDLEWARE}' to MIDDLEWARE, after SessionMiddleware (docs/oscar.md).",
        id=f"{APP_LABEL}.E001")]


@register()
def oro_invoices_setting(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An error per wrong entry of the ``ORO_INVOICES`` setting: an unknown key, or a value of
    the wrong type."""
    return [Error(problem, hint="See the ORO_INVOICES settings in docs/oscar.md.", id=f"{APP_LABEL}.E002")
            for problem in options.problems(getattr(settings, "ORO_INVOICES", {}))]


#: Oscar's templates the app overrides, each with what is missing while Oscar's is used instead.
OVERRIDDEN_TEMPLATES = {
    "oscar/dashboard/orders/order_detail.html": "Oscar's order page shows no Invoices tab (and offers the "
                                                "invoices' own payment event types)",
    "oscar/customer/baseaccountpage.html": "the customer's account has no Invoices entry",
}


def _entry(config: AppConfig) -> str:
    """How ``INSTALLED_APPS`` names the app of ``config`` (its AppConfig's path, or its module)."""
    names = {config.name, f"{type(config).__module__}.{type(config).__qualname__}"}
    return next((str(entry) for entry in settings.INSTALLED_APPS if entry in names), config.name)


def _templates_of(config: AppConfig) -> list[str]:
    """Those of ``OVERRIDDEN_TEMPLATES`` the app of ``config`` has in its ``templates``."""
    return [t for t in OVERRIDDEN_TEMPLATES if (Path(config.path) / "templates" / t).is_file()]


@register(Tags.templates)
def listed_before_oscar(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A warning when apps listed before this one in ``INSTALLED_APPS`` (Oscar's own) have the
    templates it overrides: Django's app loader uses the first it finds, so the overrides are ignored."""
    configs = list(apps.get_app_configs())
    ours = apps.get_app_config(APP_LABEL)
    shadowing = [c for c in configs[:configs.index(ours)] if _templates_of(c)]
    if not shadowing:
        return []
    templates = [t for t in OVERRIDDEN_TEMPLATES if any(t in _templates_of(c) for c in shadowing)]
    return [Warning(
        f"{_entry(ours)} is listed after {', '.join(_entry(c) for c in shadowing)} in INSTALLED_APPS, so "
        f"Django uses {'their' if len(shadowing) > 1 else 'its'} {' and '.join(templates)} instead of the "
        f"app's: {'; '.join(OVERRIDDEN_TEMPLATES[t] for t in templates)}.",
        hint=f"Move '{_entry(ours)}' up in INSTALLED_APPS, before '{_entry(shadowing[0])}' (at the top, "
             "before Oscar's apps, as docs/oscar.md shows).",
        id=f"{APP_LABEL}.W002")]


#: A template's first tag (``{# … #}`` comments aside), as Django requires ``{% extends %}`` to be.
_FIRST_TAG = re.compile(r"\{%\s*(.*?)\s*%\}", re.S)
_COMMENT = re.compile(r"\{#.*?#\}")


def _builds_on_the_next(path: Path, template: str) -> bool:
    """Whether the template file ``path`` extends the template of its own name, ``template``:
    Django then loads the next one found (the app's) as its parent, and hides nothing."""
    try:
        text = _COMMENT.sub("", path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return False
    first = _FIRST_TAG.search(text)
    return bool(first and re.fullmatch(r"extends\s+([\"'])" + re.escape(template) + r"\1", first.group(1)))


def _sources(template: str) -> Iterator[Path]:
    """The files named ``template`` that Django's template engines look at, in the order they do."""
    for backend in engines.all():
        if isinstance(backend, DjangoTemplates):
            for loader in backend.engine.template_loaders:
                for origin in loader.get_template_sources(template):
                    yield Path(origin.name)


def _folders_hiding() -> dict[Path, list[str]]:
    """The template folders other than apps' (``TEMPLATES`` ``DIRS``, a filesystem loader's) that
    hold one of ``OVERRIDDEN_TEMPLATES`` which Django finds before the app's, each with those templates."""
    app_folders = {(Path(c.path) / "templates").resolve() for c in apps.get_app_configs()}
    hiding: dict[Path, list[str]] = {}
    for template in OVERRIDDEN_TEMPLATES:
        for path in _sources(template):
            if not path.is_file():
                continue
            folder = Path(str(path).removesuffix(template)).resolve()
            if folder in app_folders:  # the app's own, or an app's listed before it (listed_before_oscar)
                break
            if _builds_on_the_next(path, template):
                continue  # Django loads the next one found as its parent
            hiding.setdefault(folder, []).append(template)
            break
    return hiding


@register(Tags.templates)
def hidden_by_template_dirs(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A warning for each folder of ``TEMPLATES`` ``DIRS`` holding a template the app overrides
    that does not extend it: Django searches those folders before the apps' and uses that file."""
    ours = apps.get_app_config(APP_LABEL)
    return [Warning(
        f"The template folder {folder} (TEMPLATES DIRS) holds {' and '.join(templates)}, which Django uses "
        f"instead of those of {_entry(ours)}: {'; '.join(OVERRIDDEN_TEMPLATES[t] for t in templates)}.",
        hint=" ".join(
            f"Make {folder / t} start with {{% extends \"{t}\" %}} (it then builds on the app's, which builds "
            "on Oscar's), overriding only the blocks it changes and keeping {{ block.super }} in them, or "
            "remove it (docs/oscar.md)." for t in templates),
        id=f"{APP_LABEL}.W002") for folder, templates in _folders_hiding().items()]


#: What Django's migration loader raises for migrations it cannot read or put in order.
UNREADABLE_MIGRATIONS = (NodeNotFoundError, CircularDependencyError, BadMigrationError, ImportError, SyntaxError,
                         ValueError)


def _unreadable(alias: str, error: BaseException) -> CheckMessage:
    """The error of the database ``alias`` whose shop's migrations Django cannot load (``error``)."""
    return Error(
        f"The shop's migrations cannot be read, so whether database {alias!r} has those of {APP_LABEL}, the "
        f"Django app of oro-invoices, is unknown: {type(error).__name__}: {error}",
        hint="Mend the migration named (a dependency on a migration or app that does not exist, a cycle, a "
             f"module that does not import or has no Migration class), then run `{MIGRATE}`; `python "
             "manage.py showmigrations` reads the same migrations.",
        id=f"{APP_LABEL}.E003")


@register(Tags.database)
def migrations_applied(app_configs: Any = None, databases: Iterable[str] | None = None,
                       **kwargs: Any) -> list[CheckMessage]:
    """A warning for each database checked that lacks migrations of the app; an error for each
    whose shop's migrations cannot be read (a broken migration graph), naming the problem."""
    found: list[CheckMessage] = []
    for alias in databases or ():
        try:
            loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
        except UNREADABLE_MIGRATIONS as error:
            found.append(_unreadable(alias, error))
            continue
        missing = sorted(name for app, name in loader.graph.nodes
                         if app == APP_LABEL and (app, name) not in loader.applied_migrations)
        if missing:
            command = MIGRATE + ("" if alias == "default" else f" --database {alias}")
            found.append(Warning(
                f"Database {alias!r} lacks the migrations {', '.join(missing)} of {APP_LABEL}, the "
                "Django app of oro-invoices (its settings, registries and business customers).",
                hint=f"Run `{command}`: until its tables exist, the invoice menu entries, order tab "
                     "and account entry stay hidden and the invoice pages answer 503.",
                id=f"{APP_LABEL}.W001"))
    return found
