"""core.operations: transitions and refusals, and how conflict_safe shows a refusal next to its field."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from wtforms import StringField

from core.extensions import db
from core.forms import Form, conflict_safe
from core.models import Team
from core.operations import Refused, require, transition

FLOW = {"open": {"done"}, "done": {"open"}}
LABELS = {"open": "open", "done": "afgerond", "gone": "verwijderd"}


def test_transition_moves_only_along_the_flow():
    thing = SimpleNamespace(status="open")
    assert transition(thing, "status", "done", FLOW, LABELS) == "open"
    assert thing.status == "done"
    with pytest.raises(Refused) as err:
        transition(thing, "status", "gone", FLOW, LABELS)
    assert thing.status == "done"
    assert "'afgerond'" in err.value.message and "'verwijderd'" in err.value.message


def test_require():
    require(True, "nooit")
    with pytest.raises(Refused) as err:
        require(0, "Geef een datum.", field="on")
    assert (err.value.message, err.value.field) == ("Geef een datum.", "on")


class NameForm(Form):
    name = StringField("Naam")


def test_conflict_safe_rolls_back_a_refused_operation_and_shows_it_next_to_the_field(app):
    with app.test_request_context("/", method="POST", data={"name": "Noord"}):
        form = NameForm(meta={"csrf": False})
        with conflict_safe(form) as save:
            db.session.add(Team(name="Noord"))
            db.session.flush()
            raise Refused("Deze naam is niet toegelaten.", field="name")
        assert not save.saved and save.status == 422
        assert form.name.errors == ["Deze naam is niet toegelaten."]
        assert form.name.data == "Noord"
    assert db.session.query(Team).filter_by(name="Noord").count() == 0

    with app.test_request_context("/", method="POST", data={"name": "Zuid"}):
        form = NameForm(meta={"csrf": False})
        with conflict_safe(form) as save:
            raise Refused("Dit kan niet meer.")
        assert form.form_errors == ["Dit kan niet meer."]
