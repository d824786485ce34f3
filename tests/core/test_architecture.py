"""The wiring rules of ARCHITECTURE.md that the import linter cannot see."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import lms
from lms.auth import hooks as auth_hooks
from lms.catalog import hooks as catalog_hooks
from lms.certification import hooks as certification_hooks
from lms.core.conditional import layout_states
from lms.jobs import hooks as job_hooks
from lms.registry import hooks as registry_hooks

ROOT = Path(lms.__file__).parent


def _all_modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(ROOT)], prefix="lms.")]


def test_no_view_commits_or_rolls_back():
    offenders = []
    for path in ROOT.rglob("*views.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"commit", "rollback"}
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_importing_every_module_registers_nothing(app):
    from flask import Flask

    for name in _all_modules():
        importlib.import_module(name)
    bare = Flask("bare")
    assert catalog_hooks.course_panels.functions(bare) == []
    assert bare.extensions.get("lms.nav") is None
    assert "lms" not in bare.cli.commands


def test_each_app_holds_its_own_registrations(app):
    from lms import create_app

    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    for hook, count in (
        (catalog_hooks.course_panels, 1),
        (catalog_hooks.quiz_slug_providers, 1),
        (catalog_hooks.requirement_checkers, 1),
        (catalog_hooks.learning_plans, 1),
        (layout_states, 1),  # messages: the unread notification count
        (registry_hooks.person_panels, 5),  # completions, messages, activation, full identifiers, history
        (registry_hooks.people_list_actions, 1),
        (auth_hooks.user_panels, 1),  # API tokens
        (registry_hooks.import_handlers, 1),
        (certification_hooks.template_choosers, 1),
        (certification_hooks.hours_providers, 1),
        (certification_hooks.decision_providers, 1),
        (job_hooks.handlers, 7),  # registry check and import, certificates and their list, a class's, gap list, slips
        (job_hooks.owner_loaders, 1),  # auth
    ):
        assert len(hook.functions(app)) == count, hook.name
        assert [getattr(f, "__qualname__", type(f).__qualname__) for f in hook.functions(other)] == [
            getattr(f, "__qualname__", type(f).__qualname__) for f in hook.functions(app)]
        assert hook._functions(other) is not hook._functions(app)
    assert other.extensions["lms.nav"] is not app.extensions["lms.nav"]
    endpoints = [item.endpoint for item in app.extensions["lms.nav"]]
    assert endpoints[:2] == ["catalog.my_learning", "catalog.index"]
    assert len(endpoints) == len(set(endpoints))
