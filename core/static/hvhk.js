// Small progressive enhancements; every main flow works without JavaScript.
document.addEventListener("htmx:responseError", function (evt) {
  var box = document.getElementById("htmx-error");
  if (!box) {
    box = document.createElement("p");
    box.id = "htmx-error";
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    document.querySelector("main").prepend(box);
  }
  var status = evt.detail.xhr.status;
  // the server's own words when it sent them (e.g. "We weten niet zeker of dit bewaard is")
  var own = status >= 500 && new DOMParser().parseFromString(evt.detail.xhr.responseText || "", "text/html")
    .getElementById("hvhk-error-text");
  box.textContent = own ? own.textContent : status === 409
    ? "Iemand anders wijzigde dit intussen. Herlaad de pagina."
    : status === 503
      ? "De databank is tijdelijk niet bereikbaar. Probeer het zo meteen opnieuw."
      : "Er liep iets mis (" + status + "). Probeer het opnieuw of herlaad de pagina.";
});

// Tables on a phone: label every cell with its column header (data-label) and mark the table "stack",
// so hvhk.css shows each row as a small card below 48em. Templates may write data-label themselves;
// a table with class "keep" (calendars, print sheets) stays a table and scrolls in its own box.
function hvhkStackTables(root) {
  (root || document).querySelectorAll("main table").forEach(function (table) {
    if (table.classList.contains("keep") || table.dataset.stacked) return;
    var heads = table.querySelectorAll("thead tr:last-child th");
    if (!heads.length) return;
    var labels = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr, tfoot tr").forEach(function (tr) {
      var col = 0;
      Array.prototype.forEach.call(tr.children, function (cell) {
        if (!cell.hasAttribute("data-label") && labels[col]) cell.setAttribute("data-label", labels[col]);
        col += cell.colSpan || 1;
      });
    });
    table.dataset.stacked = "1";
    table.classList.add("stack");
  });
}
document.addEventListener("DOMContentLoaded", function () { hvhkStackTables(document); });

// After an htmx swap keyboard focus must not drop to the page body: focus the swapped content's
// [autofocus] / [data-focus] element, else its first heading or status message, else the target itself.
document.addEventListener("htmx:afterSettle", function (evt) {
  // an outerHTML swap replaced the target: find the new element (the event's own, or the same id)
  var old = evt.detail.target;
  var candidates = [evt.target, old, old && old.id ? document.getElementById(old.id) : null];
  var target = null;
  for (var i = 0; i < candidates.length; i++) {
    var c = candidates[i];
    if (c && c.nodeType === 1 && c !== document.body && document.contains(c)) { target = c; break; }
  }
  hvhkStackTables(document);
  var active = document.activeElement;
  if (active && active !== document.body && document.contains(active)) return;
  if (!target) return;
  var next = target.querySelector("[autofocus], [data-focus], [role=status], [role=alert], h1, h2, h3") || target;
  if (!next.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(next.tagName)) next.setAttribute("tabindex", "-1");
  next.focus();
});
