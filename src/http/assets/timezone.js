// Fills hidden time-zone fields (the subscribe form's, the console's schedule forms') from the
// browser (Intl). On the subscribe form: so local-time
// deliveries reach the reader in their own morning. Without script the field stays empty and the
// reader gets the service's DEFAULT_TIMEZONE; the preferences page can set it later.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var fields = document.querySelectorAll('input[data-browser-zone]');
    for (var i = 0; i < fields.length; i++) if (!fields[i].value && zone) fields[i].value = zone;
    // The console names the editor's zone beside the times they type.
    var labels = document.querySelectorAll('[data-browser-zone-label]');
    for (var j = 0; j < labels.length; j++) if (zone) labels[j].textContent = zone;
  } catch {
    /* an old browser: the default zone applies */
  }
})();
