"""The HTML toolkit: every string escaped, self-contained pages, charts that place what they are given."""

from __future__ import annotations

import re

import pytest

from agentinstruct.html import el, interval_chart, page, radar_chart, render, table, text_block

HOSTILE = '<script>alert("x")</script> & "quotes" \'single\''


def test_text_and_attributes_are_escaped():
    out = render(el("td", HOSTILE, title=HOSTILE, class_="num", data_id=3, hidden=True, disabled=False))
    assert "<script>" not in out and "&lt;script&gt;" in out and "&quot;quotes&quot;" in out
    assert out.startswith('<td title="&lt;script&gt;') and 'class="num"' in out and 'data-id="3"' in out
    assert " hidden" in out and "disabled" not in out
    with pytest.raises(ValueError):
        el('td onclick="x"')
    with pytest.raises(ValueError):
        el("td", **{"on click": "x"})


def test_a_page_is_self_contained():
    html = page("T <b>", el("p", HOSTILE), table(["a", "b"], [[HOSTILE, 1.5]], numeric=[1]),
                text_block("x" * 50, limit=10), subtitle="s & t")
    assert html.startswith("<!DOCTYPE html>") and "<title>T &lt;b&gt;</title>" in html
    assert "<script" not in html and not re.search(r'(src|href)="https?:', html) and "@import" not in html
    assert '<td class="num">1.5</td>' in html and "<details>" in html


def test_table_rows_must_match_the_header():
    with pytest.raises(ValueError, match="row 0"):
        table(["a", "b"], [["only one"]])


def test_radar_places_values_on_their_spokes():
    svg = render(radar_chart(["a", "b", "c", "d"], {"s1": [10, 5, None, 0], "s<2>": [1, 1, 1, 1]}, max_value=10,
                             size=300))
    assert svg.count("<line") == 4 and svg.count("<polygon") == 5 + 2  # rings + one polygon per series
    assert "s&lt;2&gt;" in svg and "<circle" in svg
    # value 10 on the first spoke (straight up) lies on the outer ring: x at the centre, y = cy - radius
    first = re.search(r'<circle[^>]*cx="([\d.]+)" cy="([\d.]+)"', svg)
    assert (float(first.group(1)), float(first.group(2))) == (120 + 150.0, 150.0 - (150 - 70))
    assert svg.count("<circle") == 3 + 4  # the missing value gets no point
    with pytest.raises(ValueError):
        radar_chart(["a", "b"], {"s": [1, 2]})


def test_interval_chart_draws_one_row_per_estimate():
    svg = render(interval_chart([("x", 0.5, 0.2, 0.8, 0), ("y", -0.1, -0.3, 0.1, 1)], low=-1, high=1, zero=0))
    assert svg.count("<circle") == 2 and "stroke-dasharray" in svg and "x: 0.5 [0.2, 0.8]" in svg


def test_interval_axis_ticks_read_as_numbers_not_exponents():
    from agentinstruct.html.svg import interval_chart, tick_label

    svg = render(interval_chart([("m", 1221.8, 990.0, 3088.4, 0)], low=990.0, high=3088.4))
    assert "e+03" not in svg and ">1410<" in svg
    assert tick_label(0.25, 1.0) == "0.25" and tick_label(-0.5, 2.0) == "-0.50" and tick_label(7.5, 10) == "7.5"
