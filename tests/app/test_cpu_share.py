"""Fair by cost: CPU time decays, and a session's use is measured in fair shares."""

from __future__ import annotations

import math

from app.cpu_share import TAU_S, CpuAccount, fair_share, overuse, shares_by_address


def test_spent_time_decays_and_shares_divide_the_loop() -> None:
    account = CpuAccount()
    account.charge(0.5, now=10.0)
    assert math.isclose(account.rate(10.0), 0.5 / TAU_S)
    assert math.isclose(account.rate(10.0 + TAU_S), 0.5 / TAU_S / math.e)
    assert math.isclose(fair_share(4) * 4, fair_share(1))
    light, heavy = CpuAccount(), CpuAccount()
    light.charge(0.01, now=0.0)
    heavy.charge(0.5, now=0.0)
    assert overuse(light.rate(0.0), 10) < 1 < overuse(heavy.rate(0.0), 10)


def test_the_loop_is_shared_by_address_first() -> None:
    shares = shares_by_address(["a", "a", "a", "a", "b"])
    assert math.isclose(sum(shares[:4]), shares[4])  # four tabs get what one user gets
    assert math.isclose(sum(shares), fair_share(1))
