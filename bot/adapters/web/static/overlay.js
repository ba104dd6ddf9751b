// The on-air page: the question on air, large, updated by itself. Read-only: its token can
// only listen. Plain JavaScript shipped with the bot; nothing is downloaded.
(function () {
  "use strict";
  var body = document.body;
  var words = JSON.parse(body.dataset.words);
  var page = JSON.parse(body.dataset.page);
  var stage = document.getElementById("stage");
  var question = document.getElementById("question");
  var author = document.getElementById("author");
  var onAir = new Map();

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function show() {
    var first = null;
    onAir.forEach(function (card) { if (!first || card.asked_at < first.asked_at) first = card; });
    stage.hidden = !first;
    question.textContent = first ? first.text : "";
    author.textContent = first && first.author ? fmt(words.asked_by, { author: first.author }) : "";
  }

  var lang = new URLSearchParams(location.search).get("lang");
  var url = "/overlay/" + page.live + "/events?t=" + encodeURIComponent(page.token) +
    (lang ? "&lang=" + encodeURIComponent(lang) : "");
  var events = new EventSource(url);
  events.onmessage = function (event) {
    var message = JSON.parse(event.data);
    var data = message.data;
    if (message.type === "state") {
      onAir.clear();
      data.cards.forEach(function (card) { onAir.set(card.id, card); });
    } else if (message.type === "card") {
      if (data.status === "on_air") onAir.set(data.id, data); else onAir.delete(data.id);
    } else if (message.type === "remove") {
      onAir.delete(data);
    } else if (message.type === "live" && data.status !== "live" && data.status !== "scheduled") {
      onAir.clear();
    } else if (message.type === "ended") {
      onAir.clear();
      events.close();
    }
    show();
  };
})();
