// Planted fault `ui_console_error` (unimedia's fault catalogue): the media page logs an
// error and throws on load; everything else keeps working.
if (document.getElementById("upload-form")) {
  console.error("unimedia: could not initialise the media grid");
  document.querySelector("table.media-grid").dataset.ready = "true";
}
