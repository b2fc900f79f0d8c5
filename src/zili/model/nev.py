"""NEVs and batteries: purchase support, NEV adoption, battery demand and battery learning.

Buyers compare an NEV with a combustion car: the NEV's price premium (mostly battery
cost, which falls with the battery node's predicted price) net of purchase support
(central subsidy by range band, capped local top-ups, purchase-tax exemption, scaled
down when a subsidy volume cap binds), plus charging density, licence-plate
exemptions, dual credits and familiarity with NEVs already on the road (Bass
imitation). The NEV share of new-vehicle sales moves part of the way toward its logit
target each year. NEV units drive demand for EV assembly and for the EV part of
battery demand; battery cost falls with cumulative battery output (a learning curve).

References
----------
Bass (1969), A new product growth model for consumer durables, Management Science 15(5),
doi:10.1287/mnsc.15.5.215. Ziegler & Trancik (2021), Energy & Environmental Science
14:1635, doi:10.1039/D0EE02681F (battery learning rate).
"""

from __future__ import annotations

import numpy as np

from zili.model.state import State
from zili.model.world import World

# range bands of the central purchase subsidy (nev_subsidy.csv); the sales mix is a parameter
BANDS = ("bev_150_250km", "bev_250_400km", "bev_400km_plus", "phev")
BATTERY_NODES = ("battery_cells", "battery_materials")


def _logit(x):
    x = np.clip(x, 1e-9, 1 - 1e-9)
    return np.log(x / (1 - x))


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def band_mix(p) -> np.ndarray:
    """Sales mix over :data:`BANDS` (fractions summing to 1)."""
    short, mid, long_ = p.nev_mix_bev_short, p.nev_mix_bev_mid, p.nev_mix_bev_long
    phev = max(1.0 - short - mid - long_, 0.0)
    mix = np.array([short, mid, long_, phev])
    return mix / mix.sum()


def learning_index(cum_ratio: np.ndarray, rate: float) -> np.ndarray:
    """Cost relative to the start after cumulative output grew by ``cum_ratio`` (Wright's law).

    ``rate`` is the cost decline per doubling; the index never rises with cumulative output.
    """
    return np.asarray(cum_ratio, dtype=float) ** np.log2(1.0 - rate)


def central_subsidy(world: World, k: int) -> float:
    """Central purchase subsidy of the average vehicle in year ``k`` (RMB, band-weighted)."""
    return float(world.nev_subsidy[k])


def support(state: State, world: World, k: int) -> dict[str, np.ndarray]:
    """Purchase support per vehicle (RMB), each (R,): central, local top-up, tax exemption.

    The central subsidy is scaled down when last year's NEV sales exceed a volume cap
    (2020-22: 2 m vehicles a year); local top-ups are capped at a share of the central
    subsidy (2016-18: 50%) and only part of that cap is used.
    """
    p = world.params
    R = state.nev_share.shape[0]
    units_prev = state.scratch.get("nev_units", np.zeros(R))
    cap = world.nev_volume_cap[k] if world.nev_volume_cap is not None else np.inf
    scale = np.where(units_prev > cap, cap / np.maximum(units_prev, 1.0), 1.0)
    central = central_subsidy(world, k) * scale
    local_cap = world.nev_local_cap[k] if world.nev_local_cap is not None else 0.0
    local = central * local_cap * p.nev_local_topup_use
    tax = np.full(R, float(world.nev_tax[k]))
    return {"central": central, "local": local, "tax": tax}


def _utility(state: State, world: World, k: int, sup: dict, battery_price: np.ndarray, plate: float | None = None) -> np.ndarray:
    """Logit utility of an NEV purchase relative to a combustion car, (R,)."""
    p = world.params
    price_rmb = p.nev_price_rmb_k * 1000.0
    premium = p.nev_premium0 * (p.battery_share_of_premium * battery_price + (1 - p.battery_share_of_premium))
    net = premium - (sup["central"] + sup["local"] + sup["tax"]) / price_rmb
    sc = state.scratch
    c = world.names["node"].index("charging")
    stock_k = sc["nev_stock_k"]
    density = np.log((state.stock_units[:, c] / 1000.0 + 1.0) / np.maximum(stock_k, 1.0))
    familiarity = np.log(np.maximum(stock_k, 1.0) / max(p.nev_stock_start_k, 1.0))
    return (
        -p.nev_price_pull * net
        + p.nev_charging_pull * density
        + p.nev_plate_pull * (world.nev_plate[k] if plate is None else plate)
        + p.nev_credit_pull * world.nev_credit[k]
        + p.nev_imitation * familiarity
    )


def adoption(state: State, world: World, k: int) -> np.ndarray:
    """NEV share of new-vehicle sales, (R,), moving toward its logit target.

    The target is anchored at the share of the year before the start
    (``programmes.nev_share_start``) under that year's conditions: the first year's
    subsidies, without the purchase-tax exemption (from Sept 2014) and the licence-plate
    exemptions (Beijing's and Shanghai's NEV plate rules of 2014), battery prices at 1,
    and the starting NEV and charger stocks.
    """
    p = world.params
    sc = state.scratch
    R = state.nev_share.shape[0]
    sc.setdefault("nev_stock_k", np.full(R, p.nev_stock_start_k))
    bi = world.names["node"].index("battery_cells")
    sup = support(state, world, k)
    if "nev_u_ref" not in sc:  # the year before the start: first-year subsidies, no tax or plate exemption, no learning
        sc["nev_u_ref"] = _utility(state, world, k, dict(sup, tax=np.zeros(R)), np.ones(R), plate=0.0)
    u = _utility(state, world, k, sup, state.price[:, bi])
    target = _sigmoid(_logit(np.array(world.nev_share0)) + u - sc["nev_u_ref"])
    sc["nev_support"] = sup
    sc["nev_target"] = target
    return state.nev_share + p.nev_adjustment_speed * (target - state.nev_share)


def step(state: State, world: World, k: int, base: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """Update the NEV share and units; set EV-assembly and battery demand in ``demand`` (R, N, T).

    ``base`` is the (N, T) exogenous demand of the year. EV assembly follows NEV units
    relative to the first year; the EV part of battery demand does too, the rest of
    battery demand (electronics, storage) keeps its exogenous growth.
    """
    p = world.params
    sc = state.scratch
    nodes = world.names["node"]
    if k == 0:
        _battery_history(state, world)
        state.stock_units[:, nodes.index("charging")] += p.charging_points_start_k * 1000.0  # public points at the start
    state.nev_share = adoption(state, world, k)
    units = state.nev_share * world.vehicle_sales[k] * 1e6  # vehicles
    sc["nev_units"] = units
    ref = sc.setdefault("nev_units_ref", np.maximum(units.copy(), 1.0))
    growth = units / ref
    ev = nodes.index("ev_assembly")
    demand[:, ev, :] = world.demand0[ev][None, :] * growth[:, None] * (demand[:, ev, :] / np.maximum(base[ev][None, :], 1e-12))
    e = p.ev_share_of_battery_demand0
    for name in BATTERY_NODES:
        b = nodes.index(name)
        follow = demand[:, b, :] / np.maximum(base[b][None, :], 1e-12)
        mix = (1 - e) * world.demand_index[k, b] + e * growth
        demand[:, b, :] = world.demand0[b][None, :] * mix[:, None] * follow
    sup = sc["nev_support"]
    sc["nev_fiscal_cost"] = (sup["central"] + sup["local"] + sup["tax"]) * units / 1e9  # RMB bn
    sc["nev_subsidy_fraud"] = world.fraud[k, ev] * sup["central"] * units / 1e9
    sc["nev_stock_k"] = sc["nev_stock_k"] * (1 - p.nev_scrappage) + units / 1000.0
    return demand


def expansion(state: State, world: World, k: int) -> State:
    """Firms in the NEV chain plan capacity for NEV sales growing as they grew this year.

    Demand pull elsewhere projects the node's exogenous demand index; for EV assembly
    and batteries the signal is the growth of NEV units (capped at the firm growth limit).
    """
    p = world.params
    sc = state.scratch
    units, prev = sc["nev_units"], sc.get("nev_units_prev", sc["nev_units"])
    sc["nev_units_prev"] = units.copy()
    growth = np.clip(units / np.maximum(prev, 1.0), 0.0, 1.0 + p.capacity_growth_cap)
    need = sc["dom"] + sc["unmet"]
    full = sc["capacity"] * p.target_utilisation
    for name in BATTERY_NODES + ("ev_assembly",):
        n = world.names["node"].index(name)
        want = np.clip(need[:, n, :] * growth[:, None] / np.maximum(full[:, n, :], 1e-12) - 1.0, 0.0, p.capacity_growth_cap)
        sc["expand"][:, n, :] = np.maximum(sc["expand"][:, n, :], want)
    return state


def _battery_history(state: State, world: World) -> None:
    """Cumulative battery output before the start, in years of starting output (a fast-growing industry)."""
    p = world.params
    for name in BATTERY_NODES:
        b = world.names["node"].index(name)
        start = state.out_node[:, b]
        state.cum_out[:, b] = np.maximum(start * p.battery_history_years, 1e-6)
        state.cum_out_start[:, b] = state.cum_out[:, b]


def battery_learning(prev_cum: np.ndarray, cum: np.ndarray, world: World) -> np.ndarray:
    """This year's cost multiplier of each battery node, (R, N) with ones elsewhere."""
    rate = world.params.battery_learning_rate
    learn = np.ones_like(cum)
    for name in BATTERY_NODES:
        b = world.names["node"].index(name)
        learn[:, b] = learning_index(cum[:, b] / prev_cum[:, b], rate)
    return learn
