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
