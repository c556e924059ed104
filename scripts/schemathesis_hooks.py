"""Schemathesis hooks for settle's OpenAPI document.

`format: brn` marks a Korean business registration number: ten digits whose last is a
check digit over the first nine (weights 1 3 7 1 3 7 1 3 5, plus the tens of the ninth
digit times five), with an office code of at least 101, a type code other than 00 and a
serial other than 0000. No pattern can state the check digit, so valid numbers are
generated here; the schema's pattern still decides what an invalid one looks like.
"""

import schemathesis
from hypothesis import strategies as st

WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


def check_digit(first9):
    total = sum(d * w for d, w in zip(first9, WEIGHTS)) + first9[8] * 5 // 10
    return (10 - total % 10) % 10


def brn(office, kind, serial, hyphens):
    first9 = [int(c) for c in f"{office:03d}{kind:02d}{serial:04d}"]
    digits = "".join(map(str, first9 + [check_digit(first9)]))
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if hyphens else digits


schemathesis.openapi.format(
    "brn",
    st.builds(
        brn,
        st.integers(101, 999),
        st.integers(1, 99),
        st.integers(1, 9999),
        st.booleans(),
    ),
)
