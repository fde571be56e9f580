// Fills the subscribe form's hidden time-zone field from the browser (Intl), so local-time
// deliveries reach the reader in their own morning. Without script the field stays empty and the
// reader gets the service's DEFAULT_TIMEZONE; the preferences page can set it later.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    var fields = document.querySelectorAll('input[name="timezone"][data-browser-zone]');
    for (var i = 0; i < fields.length; i++) if (!fields[i].value && zone) fields[i].value = zone;
  } catch (e) {
    /* an old browser: the default zone applies */
  }
})();
