// The residents' pages: loaded from our own origin (CSP script-src 'self'); everything works without it.
(function () {
  "use strict";

  // A form sends once: the button says it is busy (the idempotency key makes a second send harmless anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-once]")) { return; }
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    var button = form.querySelector("[data-busy]");
    if (button) { button.textContent = button.dataset.busy; button.setAttribute("aria-disabled", "true"); }
  });

  // "Use my location": the phone's position into the hidden lat/long fields, if the resident allows it.
  var geoButton = document.querySelector("[data-geo-button]");
  if (geoButton && navigator.geolocation) {
    geoButton.hidden = false;
    var status = document.querySelector("[data-geo-status]");
    geoButton.addEventListener("click", function () {
      status.textContent = geoButton.dataset.wait || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        document.querySelector("[data-geo=lat]").value = position.coords.latitude.toFixed(6);
        document.querySelector("[data-geo=long]").value = position.coords.longitude.toFixed(6);
        status.textContent = geoButton.dataset.done;
      }, function () {
        status.textContent = geoButton.dataset.failed;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

  // The poster's print button.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
