// Page behaviour that needs script; loaded from our own origin (CSP script-src 'self', no inline handlers).
(function () {
  "use strict";

  // The phone menu: one button opens and closes the navigation panel.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu-toggle");
    if (toggle) {
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    // A row chosen in a picker's search results fills the number field beside it.
    var pick = event.target.closest("[data-pick]");
    if (pick) {
      var picker = pick.closest(".picker");
      picker.querySelector(".picker-id").value = pick.dataset.pick;
      picker.querySelector(".picker-chosen").textContent = pick.dataset.label;
      picker.querySelector(".picker-results").innerHTML = "";
      picker.querySelector(".picker-q").value = "";
    }
  });

  // A select marked data-autosubmit submits its form when changed (the dashboard's place switcher).
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) {
      event.target.form.requestSubmit();
    }
  });
})();
