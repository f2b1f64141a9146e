// Planted fault `broken_ui_upload` (unimedia's fault catalogue): a leftover handler
// swallows the upload form's submit. No request is sent and nothing is shown.
document.addEventListener(
  "submit",
  (event) => {
    if (event.target instanceof HTMLFormElement && event.target.id === "upload-form") {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);
