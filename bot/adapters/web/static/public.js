// Public pages: the page reads fine without this script. It adds, next to each time given in
// the live's zone, the same time in the reader's own zone when it differs, and a copy button
// beside a calendar's address.
"use strict";
(function () {
  const body = document.body;
  const here = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const lang = document.documentElement.lang || "fr";
  const template = body.dataset.local || "{time}";
  for (const time of document.querySelectorAll("time[data-zone]")) {
    if (!here || time.dataset.zone === here) continue;
    const at = new Date(time.getAttribute("datetime"));
    if (isNaN(at)) continue;
    const words = new Intl.DateTimeFormat(lang, {
      weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
      timeZoneName: "short",
    }).format(at);
    const local = document.createElement("span");
    local.className = "local";
    local.textContent = " " + template.replace("{time}", words);
    time.after(local);
  }
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(button.dataset.copy);
    if (!field || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        button.textContent = body.dataset.copied || "OK";
      } catch (error) {
        // The address stays selected: the reader copies it by hand.
      }
    });
  }
})();
