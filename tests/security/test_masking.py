"""A masked national ID or phone must not give the number back (issue 9 §2).

The attacker of these tests sees what every masked view shows (the masked ID beside the birth
date and gender) and knows the school's county, i.e. the region code. They enumerate every
valid GB 11643 number consistent with all of it: the masked form must leave at least 100."""
import itertools
import re
from datetime import date

import pytest

from registry.identity import check_digit, compose_national_id, gender_of
from registry.pii import mask_national_id, mask_phone

COUNTY = "430124"


def consistent_ids(masked, born, gender, region):
    """Every valid ID matching the masked form, birth date, gender and region."""
    pattern = re.compile(re.escape(masked).replace(r"\*", "[0-9X]"))
    found = []
    for sequence in itertools.product("0123456789", repeat=3):
        first17 = "{}{:%Y%m%d}{}".format(region, born, "".join(sequence))
        candidate = first17 + check_digit(first17)
        if gender_of(candidate) == gender and pattern.fullmatch(candidate):
            found.append(candidate)
    return found


@pytest.mark.parametrize("seq,born,gender", [
    (1, date(2016, 5, 17), "male"), (37, date(2014, 12, 1), "female"),
    (99, date(2019, 2, 28), "male"), (4, date(2012, 7, 9), "female")])
def test_a_masked_id_leaves_at_least_100_valid_ids(seq, born, gender):
    real = compose_national_id(COUNTY, born, seq, gender)
    masked = mask_national_id(real)
    assert all(c == "*" for c in masked[14:17]), "the sequence digits (15-17) are hidden"
    candidates = consistent_ids(masked, born, gender, COUNTY)
    assert real in candidates
    assert len(candidates) >= 100, len(candidates)


def test_the_old_mask_gave_the_id_back():
    """What the attack found before: first and last four shown -> one candidate."""
    real = compose_national_id(COUNTY, date(2016, 5, 17), 1, "male")
    old = real[:4] + "*" * 10 + real[-4:]
    assert consistent_ids(old, date(2016, 5, 17), "male", COUNTY) == [real]


@pytest.mark.parametrize("phone", ["13812345678", "19907310001", "0731-87654321",
                                   "0731-8765432", "0731-87654321-123"])
def test_a_masked_phone_keeps_at_most_7_digits_and_hides_at_least_4(phone):
    masked = mask_phone(phone)
    digits = re.sub(r"\D", "", phone.split("-")[0] + "".join(phone.split("-")[1:2]))
    shown = re.sub(r"\D", "", masked)
    assert len(shown) <= 7 or not phone.startswith("1")
    assert masked.count("*") >= 4
    if phone.startswith("1"):
        assert len(shown) <= 7 and masked.count("*") == 4 and len(masked) == 11
    else:
        assert masked.split("-")[0] == phone.split("-")[0]  # the area code, public
        assert masked.count("-") == 1  # an extension is never shown
        assert len(digits) - len(shown) >= 4
    # every hidden digit is a free choice: 10^(hidden) numbers fit the mask
    assert 10 ** masked.count("*") >= 10_000
