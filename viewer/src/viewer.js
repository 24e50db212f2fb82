/* The resident's viewer: our part of the page's script (no framework).
 *
 * Loaded with `defer` before model-viewer's module, so it runs first: it points model-viewer's
 * decoders at our own origin (nothing is fetched from a CDN), then wires the viewer's events
 * to the page's localized messages. Every text it shows is already in the page (hidden), in
 * the page's language; this file holds no words.
 */
(function () {
  "use strict";

  var script = document.currentScript;

  function own(url) {
    return new URL(url, document.baseURI).href;
  }

  var config = (self.ModelViewerElement = self.ModelViewerElement || {});
  config.dracoDecoderLocation = own(script.dataset.draco);
  config.ktx2TranscoderLocation = own(script.dataset.ktx2);
  config.lottieLoaderLocation = own(script.dataset.lottie);

  function canUseWebGL2() {
    try {
      return !!document.createElement("canvas").getContext("webgl2");
    } catch (error) {
      return false;
    }
  }

  // The viewer's focus is inside its shadow root, where our styles cannot reach: a keyboard
  // user gets a strong ring drawn on the element itself (a tap gets none).
  var keyboard = false;
  document.addEventListener("keydown", function () { keyboard = true; }, true);
  document.addEventListener("pointerdown", function () { keyboard = false; }, true);

  function setUp(viewer) {
    var scope = viewer.closest("main") || document;

    viewer.addEventListener("focus", function () {
      viewer.classList.toggle("keyboard-focus", keyboard);
    });
    viewer.addEventListener("blur", function () {
      viewer.classList.remove("keyboard-focus");
    });

    function show(name, visible) {
      var found = scope.querySelectorAll('[data-message="' + name + '"]');
      for (var i = 0; i < found.length; i++) found[i].hidden = !visible;
    }

    function checkAR() {
      // model-viewer hides its AR button by itself when AR cannot start; say so in words.
      show("no-ar", viewer.canActivateAR === false);
    }

    var bar = viewer.querySelector(".progress");
    viewer.addEventListener("progress", function (event) {
      var done = event.detail.totalProgress;
      if (!bar) return;
      bar.setAttribute("aria-valuenow", String(Math.round(done * 100)));
      bar.firstElementChild.style.transform = "scaleX(" + done + ")";
      bar.classList.toggle("done", done >= 1);
    });
    viewer.addEventListener("load", function () {
      viewer.classList.add("loaded");
      show("load-failed", false);
      checkAR();
    });
    viewer.addEventListener("error", function (event) {
      var kind = event.detail && event.detail.type;
      show(kind === "webglcontextlost" ? "no-webgl" : "load-failed", true);
    });
    viewer.addEventListener("ar-status", function (event) {
      var status = event.detail.status;
      if (status === "failed") {
        show("ar-failed", true);
        checkAR();
      }
      if (status !== "session-started") show("ar-tracking", false);
    });
    viewer.addEventListener("ar-tracking", function (event) {
      show("ar-tracking", event.detail.status === "not-tracking");
    });

    if (!canUseWebGL2()) show("no-webgl", true);

    customElements.whenDefined("model-viewer").then(function () {
      var region = viewer.shadowRoot && viewer.shadowRoot.querySelector("[role=region]");
      if (region && viewer.dataset.announcements) {
        region.setAttribute("aria-label", viewer.dataset.announcements);
      }
      return viewer.updateComplete;
    }).then(function () {
      setTimeout(checkAR, 500);
    });
  }

  var viewers = document.querySelectorAll("model-viewer");
  for (var i = 0; i < viewers.length; i++) setUp(viewers[i]);
})();
