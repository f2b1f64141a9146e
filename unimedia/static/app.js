// unimedia web UI: small enhancements over plain HTML forms, no build step.
// Everything here is optional: without this script every form still works (the server
// redirects back with a message), so a failure here never blocks a user.
"use strict";

(() => {
  const errorRegion = document.getElementById("error");

  function showError(text) {
    if (errorRegion) {
      errorRegion.textContent = text;
    }
  }

  // The kind filter applies as soon as a kind is chosen.
  function enhanceFilter() {
    const form = document.getElementById("filter-form");
    const select = form && form.querySelector("select[name=kind]");
    if (select) {
      select.addEventListener("change", () => form.requestSubmit());
    }
  }

  // Upload with progress, the button disabled while sending. The server answers JSON
  // ({location}) when asked, so the message it stores for the next page survives.
  function enhanceUpload() {
    const form = document.getElementById("upload-form");
    if (!form) {
      return;
    }
    const button = form.querySelector("button[type=submit]");
    const progress = document.getElementById("upload-progress");

    function settle() {
      button.disabled = false;
      progress.hidden = true;
      form.removeAttribute("aria-busy");
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", (progressEvent) => {
        if (progressEvent.lengthComputable) {
          progress.value = Math.round((100 * progressEvent.loaded) / progressEvent.total);
        }
      });
      xhr.addEventListener("load", () => {
        let body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (xhr.status === 200 && body && typeof body.location === "string") {
          window.location.assign(body.location);
          return;
        }
        settle();
        const detail = body && typeof body.detail === "string" ? body.detail : null;
        showError(detail ? `Upload failed: ${detail}` : `Upload failed (HTTP ${xhr.status}).`);
      });
      xhr.addEventListener("error", () => {
        settle();
        showError("Upload failed: the server could not be reached.");
      });
      button.disabled = true;
      progress.value = 0;
      progress.hidden = false;
      form.setAttribute("aria-busy", "true");
      showError("");
      xhr.send(new FormData(form));
    });
  }

  // Ask before deleting, in a <dialog> (findable by role, unlike window.confirm()).
  function enhanceDelete() {
    const dialog = document.getElementById("confirm-delete");
    if (!dialog || typeof dialog.showModal !== "function") {
      return;
    }
    const nameSlot = dialog.querySelector(".confirm-name");
    let pending = null;
    for (const form of document.querySelectorAll("form.delete-form")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        pending = form;
        nameSlot.textContent = form.dataset.name || "this file";
        dialog.returnValue = "";
        dialog.showModal();
      });
    }
    dialog.addEventListener("close", () => {
      const form = pending;
      pending = null;
      if (form && dialog.returnValue === "confirm") {
        form.submit(); // submit() skips the submit event: no second dialog
      }
    });
  }

  enhanceFilter();
  enhanceUpload();
  enhanceDelete();
})();
