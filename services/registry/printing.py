"""Printing contact cards and forms. A printout that shows phones is a reveal: recorded in the
PII audit with its reason first. Then the PDF is made, and the print is recorded and published
in one write: a `prints` document carrying ContactCardIssued for each child on it (ids, the
form, who, when: no personal data), so "建立联系卡 N 张" can be counted.
"""
import uuid

from carekit.clock import china_date
from registry import cards, children, forms, pdf
from registry import storage as st
from registry.vocabulary import FORMS

# form -> (template, template context of (klass or None, opened, around), shows phones)
_FORMS = {
    "contact_card": ("contact_cards.html",
                     lambda klass, opened, around: cards.contact_cards(opened, around), True),
    "basic_info_form": ("basic_info_form.html", lambda klass, opened, around: {"forms": [
        forms.basic_info_of(file, child_id, around) for child_id, file in opened]}, True),
    "buddy_card": ("buddy_card.html", lambda klass, opened, around: {
        "c": forms.buddy_card_of(klass, opened, around)}, False),
}


def for_child(ctx, form, child_id, reason=None):
    """(filename, PDF bytes) of `form` for one child."""
    _, file = children.load_file(ctx, child_id)
    return _print(ctx, form, None, [(child_id, file)], file["name"], reason,
                  file["school_id"], file["class_id"])


def for_class(ctx, form, class_id, reason=None):
    """(filename, PDF bytes) of `form` for every active left-behind child of a class."""
    klass = ctx.get(st.CLASSES, class_id, "班级不存在")
    opened = [(c["id"], c) for c in children.list_children(
        ctx, {"class_id": class_id, "status": "active"}, reveal=True)]
    return _print(ctx, form, klass, opened, klass["name"], reason, klass["school_id"],
                  class_id)


def _print(ctx, form, klass, opened, name, reason, school_id, class_id):
    template, context_of, shows_phones = _FORMS[form]
    if shows_phones:
        for child_id, _ in opened:
            children.record_reveal(ctx, "child", child_id, reason, form,
                                   ["parents.phone", "guardian.phone"])
    around = cards.Around(ctx.db, ctx.vault, opened, [class_id])
    now = ctx.now()
    title = "{} {}".format(FORMS[form], name)
    content = pdf.render(template, title=title, printed_on=china_date(now).isoformat(),
                         **context_of(klass, opened, around))
    issue(ctx, form, opened, now, school_id, class_id, reason)
    return "{}-{}.pdf".format(FORMS[form], name), content


def issue(ctx, form, opened, now, school_id, class_id, reason=None):
    """Record a print of `form` for the opened files, with a ContactCardIssued per child."""
    print_id = uuid.uuid4().hex
    day = china_date(now)
    events = [ctx.event("ContactCardIssued", {
        "print_id": print_id, "child_id": child_id, "school_id": file["school_id"],
        "class_id": file["class_id"], "form": form, "by": ctx.actor, "issued_at": now,
        "issued_on": day}, child_id) for child_id, file in opened]
    ctx.outbox.insert(st.PRINTS, {
        "_id": print_id, "form": form, "school_id": school_id, "class_id": class_id,
        "child_ids": [child_id for child_id, _ in opened], "by": ctx.actor, "at": now,
        "issued_on": day.isoformat(), "reason": reason}, events)
    return print_id
