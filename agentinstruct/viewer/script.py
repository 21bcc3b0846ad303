"""The viewer's one script: filters over the rows the page already holds (no data is fetched).

Rows carry ``data-skill``, ``data-subcategory``, ``data-transformation``, ``data-score`` and ``data-round``;
the filters hide the rows that do not match and are mirrored in the URL's fragment
(``#skill=coding&min_score=0.5&refined=1``), so a filtered view is a link, and opening such a link applies
its filters. Without JavaScript the page shows every row.
"""

from __future__ import annotations

from agentinstruct.html import Element, Raw, el

FILTERS = ("skill", "subcategory", "transformation", "min_score", "refined")

FILTER_JS = r"""
(function () {
  var names = ["skill", "subcategory", "transformation", "min_score", "refined"];
  var controls = {};
  names.forEach(function (n) { controls[n] = document.getElementById("f-" + n); });
  var records = Array.prototype.slice.call(document.querySelectorAll("tr.rec"));
  var failures = Array.prototype.slice.call(document.querySelectorAll("tr.fail"));
  var count = document.getElementById("shown");
  function value(n) {
    var c = controls[n];
    if (!c) return "";
    return c.type === "checkbox" ? (c.checked ? "1" : "") : c.value;
  }
  function isFilter(hash) { return hash.indexOf("=") >= 0; }  // "#records-section" is a link, not a filter
  function fromHash() {
    var hash = location.hash.replace(/^#/, "");
    if (hash && !isFilter(hash)) return;
    var params = new URLSearchParams(hash);
    names.forEach(function (n) {
      var c = controls[n];
      if (!c) return;
      var v = params.get(n) || "";
      if (c.type === "checkbox") c.checked = v === "1"; else c.value = v;
    });
  }
  function apply(update) {
    var skill = value("skill"), sub = value("subcategory"), tr_ = value("transformation");
    var min = value("min_score") === "" ? null : parseFloat(value("min_score"));
    var refined = value("refined") === "1";
    var shown = 0;
    records.forEach(function (row) {
      var d = row.dataset;
      var ok = (!skill || d.skill === skill) && (!sub || d.subcategory === sub)
        && (!tr_ || d.transformation === tr_)
        && (min === null || isNaN(min) || (d.score !== "" && parseFloat(d.score) >= min))
        && (!refined || d.round !== "0");
      row.hidden = !ok;
      if (ok) shown += 1;
    });
    failures.forEach(function (row) { row.hidden = !!skill && row.dataset.skill !== skill; });
    if (count) count.textContent = shown + " of " + records.length + " records shown";
    if (!update) return;
    var params = new URLSearchParams();
    names.forEach(function (n) { if (value(n)) params.set(n, value(n)); });
    var hash = params.toString();
    history.replaceState(null, "", hash ? "#" + hash : location.pathname + location.search);
  }
  names.forEach(function (n) {
    var c = controls[n];
    if (c) c.addEventListener(c.tagName === "SELECT" || c.type === "checkbox" ? "change" : "input",
                              function () { apply(true); });
  });
  var reset = document.getElementById("f-reset");
  if (reset) reset.addEventListener("click", function () {
    names.forEach(function (n) {
      var c = controls[n];
      if (c && c.type === "checkbox") c.checked = false; else if (c) c.value = "";
    });
    apply(true);
  });
  window.addEventListener("hashchange", function () {
    if (isFilter(location.hash)) { fromHash(); apply(false); }
  });
  fromHash();
  apply(false);
})();
"""


def inline_script(code: str = FILTER_JS) -> Element:
    """A ``<script>`` holding ``code`` (this module's own, never user text: it is not escaped)."""
    if "</" in code:
        raise ValueError("an inline script may not contain '</'")
    return el("script", Raw(code))
