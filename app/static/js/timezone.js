// Preselect the browser's time zone in a time-zone picker the person has not touched yet.
// Without JavaScript the picker simply starts at UTC and can be changed by hand.
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    if (select.value !== "UTC" || select.getAttribute("aria-invalid")) return;
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === zone) { select.value = zone; return; }
    }
  });
})();
