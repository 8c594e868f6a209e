// The process administration was one long page; its sections are now pages of their own
// (templates/admin/_process_tabs.html). A link or bookmark to an anchor of the former page
// (/admin/procesos/1#propuestas) reaches the overview: go on to the section holding it.
(function () {
  "use strict";
  var nav = document.querySelector("[data-former-anchors]");
  var anchor = window.location.hash.slice(1);
  if (!nav || !anchor) return;
  var anchors = JSON.parse(nav.getAttribute("data-former-anchors"));
  var key = anchors[anchor] || (/^propuesta-[0-9]+$/.test(anchor) ? "propuestas" : null);
  var link = key && nav.querySelector('a[data-tab="' + key + '"]');
  if (link && link.getAttribute("aria-current") !== "page") {
    window.location.replace(link.href + "#" + anchor);
  }
})();
