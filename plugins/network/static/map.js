// Network map: highlight the relations of the organisation under the pointer or keyboard focus,
// and zoom with the buttons (+ / - / reset). The map works fully without this script.
(function () {
  function init() {
    var svg = document.getElementById("network-map");
    if (!svg) { return; }
    var lines = svg.querySelectorAll(".edges line");
    var bySource = {};
    lines.forEach(function (l) {
      [l.getAttribute("data-s"), l.getAttribute("data-t")].forEach(function (id) {
        (bySource[id] = bySource[id] || []).push(l);
      });
    });
    function highlight(id) {
      svg.classList.add("network-focus");
      (bySource[id] || []).forEach(function (l) { l.classList.add("network-hl"); });
    }
    function clear() {
      svg.classList.remove("network-focus");
      svg.querySelectorAll(".network-hl").forEach(function (l) { l.classList.remove("network-hl"); });
    }
    svg.querySelectorAll(".network-node").forEach(function (a) {
      var id = a.getAttribute("data-id");
      a.addEventListener("mouseenter", function () { highlight(id); });
      a.addEventListener("focus", function () { highlight(id); });
      a.addEventListener("mouseleave", clear);
      a.addEventListener("blur", clear);
    });
    var box = svg.viewBox.baseVal;
    var full = { x: box.x, y: box.y, w: box.width, h: box.height };
    function zoom(factor) {
      var cx = box.x + box.width / 2, cy = box.y + box.height / 2;
      var w = Math.min(full.w, box.width * factor), h = Math.min(full.h, box.height * factor);
      svg.setAttribute("viewBox", [cx - w / 2, cy - h / 2, w, h].join(" "));
    }
    // drag the background to pan once zoomed in
    var drag = null;
    svg.addEventListener("pointerdown", function (evt) {
      if (evt.target.closest && evt.target.closest(".network-node")) { return; }
      drag = { x: evt.clientX, y: evt.clientY, bx: box.x, by: box.y };
    });
    svg.addEventListener("pointermove", function (evt) {
      if (!drag) { return; }
      var scale = box.width / svg.getBoundingClientRect().width;
      svg.setAttribute("viewBox", [drag.bx - (evt.clientX - drag.x) * scale, drag.by - (evt.clientY - drag.y) * scale,
                                   box.width, box.height].join(" "));
    });
    ["pointerup", "pointerleave"].forEach(function (name) { svg.addEventListener(name, function () { drag = null; }); });
    var bar = document.createElement("div");
    bar.className = "network-zoom no-print";
    [["+", "Inzoomen", function () { zoom(0.7); }], ["−", "Uitzoomen", function () { zoom(1 / 0.7); }],
     ["⟲", "Volledige kaart", function () { svg.setAttribute("viewBox", [full.x, full.y, full.w, full.h].join(" ")); }]]
      .forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button"; btn.textContent = b[0]; btn.setAttribute("aria-label", b[1]); btn.className = "secondary";
        btn.addEventListener("click", b[2]);
        bar.appendChild(btn);
      });
    svg.parentNode.insertBefore(bar, svg);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
