// Preselect the browser's time zone in a new person's time-zone picker. Without JavaScript the
// picker starts at a guess from the browser's languages (app/core/forms.py: guessed_time_zone).
// Some browsers report a zone's old name (Asia/Calcutta): each option lists its old names.
(function () {
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone || /["\\]/.test(zone)) return;
  document.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
    if (select.getAttribute("aria-invalid")) return;
    var option = select.querySelector('option[value="' + zone + '"], option[data-aliases~="' + zone + '"]');
    if (option) select.value = option.value;
  });
})();
