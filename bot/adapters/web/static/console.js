// The live console: held questions arriving live (moderators), approved ones by votes and the
// question on air (everyone here), by mouse and by keyboard. Plain JavaScript shipped with the
// bot; every change goes to the bot as a request, and what the bot answers is shown as text.
(function () {
  "use strict";
  var body = document.body;
  var words = JSON.parse(body.dataset.words);
  var page = JSON.parse(body.dataset.page);
  var version = body.dataset.version;
  var moderator = page.view === "moderator";
  var token = page.token;
  var lang = new URLSearchParams(location.search).get("lang");
  var cards = new Map(); // question id -> card (as the bot sent it)
  var items = new Map(); // question id -> its <li>
  var panel = null; // the open reject or mute confirmation: {id, kind}
  var ended = false;
  var $ = function (id) { return document.getElementById(id); };

  // The chat's link opens the page for a few minutes only; the address now holds the page's
  // own token, so a reload keeps working for the whole session.
  history.replaceState(null, "", "/console/" + page.live + "/" + token + location.search);

  function fmt(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (all, key) {
      return key in values ? String(values[key]) : all;
    });
  }

  function say(text, bad) {
    var said = $("said");
    said.textContent = text || "";
    said.className = bad ? "said bad" : "said";
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(label, onClick, className) {
    var node = el("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }

  // -- the words of the page --------------------------------------------------------------------
  $("queue-heading").textContent = words.queue;
  $("shortcuts").textContent = words.shortcuts;
  $("queue-empty").textContent = words.queue_empty;
  $("air-heading").textContent = words.on_air;
  $("approved-heading").textContent = words.approved;
  $("approved-empty").textContent = words.approved_empty;
  $("next").textContent = words.next;
  $("overlay-heading").textContent = words.overlay;
  $("overlay-hint").textContent = words.overlay_hint;
  $("overlay-new").textContent = words.overlay_new;
  $("overlay-revoke").textContent = words.overlay_revoke;
  $("logout").textContent = words.logout;
  $("queue-section").hidden = !moderator;
  $("host-note").hidden = moderator;
  $("host-note").textContent = words.host_note;

  // -- cards --------------------------------------------------------------------------------------
  function authorLine(card) {
    if (!card.author) return words.anonymous;
    return card.anonymous ? fmt(words.hidden_author, { name: card.author }) : card.author;
  }

  function draw(card) {
    var li = items.get(card.id);
    if (!li) {
      li = el("li", "card");
      li.tabIndex = 0;
      li.dataset.id = card.id;
      li.addEventListener("focus", function () { select(card.id, false); });
      items.set(card.id, li);
    }
    li.replaceChildren();
    li.setAttribute("aria-label", "Q" + card.id + " " + card.text);
    var head = el("p", "meta");
    head.append(el("strong", null, "Q" + card.id), " · ", fmt(words.votes, { count: card.votes }),
      " · ", fmt(words.asked_by, { author: authorLine(card) }));
    li.append(head, el("p", "text", card.text));
    if (card.status === "pending") {
      if (card.flags.length) {
        li.append(el("p", "flags", fmt(words.held_because, { reasons: card.flags.join(", ") })));
      }
      var similar = card.similar && cards.get(card.similar);
      if (similar) {
        li.append(el("p", "similar", fmt(words.similar, { into: similar.id, text: similar.text })));
      }
      var row = el("div", "row");
      row.append(button(words.approve, function () { approve(card.id); }, "primary"),
        button(words.reject, function () { open(card.id, "reject"); }));
      if (card.similar) {
        row.append(button(fmt(words.merge, { into: card.similar }), function () { merge(card.id); }));
      }
      row.append(button(words.mute, function () { open(card.id, "mute"); }, "quiet"));
      li.append(row);
      if (panel && panel.id === card.id) li.append(confirmation(card));
    }
    return li;
  }

  function confirmation(card) {
    var box = el("div", "confirm");
    box.setAttribute("role", "group");
    var yes;
    if (panel.kind === "reject") {
      var label = el("label", null, words.reason);
      var input = el("textarea");
      input.id = "reason-" + card.id;
      input.maxLength = 300;
      input.rows = 2;
      label.htmlFor = input.id;
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); yes.click(); }
        if (event.key === "Escape") { event.preventDefault(); close(); }
      });
      yes = button(fmt(words.confirm_reject, { id: card.id }), function () {
        reject(card.id, input.value.trim());
      }, "danger");
      box.append(label, input);
    } else {
      box.append(el("p", null, fmt(words.confirm_mute, { name: authorLine(card) })));
      yes = button(words.mute, function () { mute(card.id); }, "danger");
      yes.addEventListener("keydown", function (event) {
        if (event.key === "Escape") { event.preventDefault(); close(); }
      });
    }
    var row = el("div", "row");
    row.append(yes, button(words.cancel, close, "quiet"));
    box.append(row);
    return box;
  }

  function open(id, kind) {
    if (!cards.has(id)) return;
    panel = { id: id, kind: kind };
    draw(cards.get(id));
    var li = items.get(id);
    var target = li.querySelector("textarea") || li.querySelector(".confirm button");
    if (target) target.focus();
  }

  function close() {
    var id = panel && panel.id;
    panel = null;
    if (id && cards.has(id)) { draw(cards.get(id)); items.get(id).focus(); }
  }

  function order(list) {
    // Held questions oldest first (fair to whoever asked first); approved ones best first.
    return list.sort(function (a, b) {
      if (a.status === "pending") return a.asked_at < b.asked_at ? -1 : 1;
      return b.votes - a.votes || (a.asked_at < b.asked_at ? -1 : 1);
    });
  }

  function place(listId, wanted) {
    var list = $(listId);
    var focused = document.activeElement;
    wanted.forEach(function (card, index) {
      var li = items.get(card.id);
      if (list.children[index] !== li) list.insertBefore(li, list.children[index] || null);
    });
    while (list.children.length > wanted.length) list.removeChild(list.lastChild);
    if (focused && focused !== document.activeElement && document.contains(focused)) focused.focus();
  }

  var scheduled = false;
  function layout() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () {
      scheduled = false;
      var all = Array.from(cards.values());
      var pending = order(all.filter(function (c) { return c.status === "pending"; }));
      var approved = order(all.filter(function (c) { return c.status === "approved"; }));
      var air = all.filter(function (c) { return c.status === "on_air"; });
      place("queue", pending);
      place("approved", approved);
      place("on-air", air);
      $("queue-empty").hidden = pending.length > 0;
      $("approved-empty").hidden = approved.length > 0;
      if (!air.length) $("on-air").replaceChildren(el("p", "empty", words.nothing_on_air));
    });
  }

  function upsert(card) {
    cards.set(card.id, card);
    draw(card);
    layout();
  }

  function remove(id) {
    cards.delete(id);
    var li = items.get(id);
    items.delete(id);
    if (li && li.parentNode) li.parentNode.removeChild(li);
    if (panel && panel.id === id) panel = null;
    layout();
  }

  // -- selection and keyboard ---------------------------------------------------------------------
  var selected = null;
  function select(id, focus) {
    if (selected !== null && items.get(selected)) items.get(selected).classList.remove("selected");
    selected = id;
    var li = items.get(id);
    if (li) {
      li.classList.add("selected");
      if (focus) li.focus();
    }
  }

  function navigable() {
    return Array.from($(moderator ? "queue" : "approved").children);
  }

  function move(step) {
    var list = navigable();
    if (!list.length) return;
    var at = list.indexOf(items.get(selected));
    var next = list[Math.max(0, Math.min(list.length - 1, at < 0 ? 0 : at + step))];
    select(Number(next.dataset.id), true);
  }

  document.addEventListener("keydown", function (event) {
    var tag = event.target.tagName;
    if (ended || event.ctrlKey || event.metaKey || event.altKey) return;
    if (tag === "TEXTAREA" || tag === "INPUT") return;
    var key = event.key;
    var card = selected !== null ? cards.get(selected) : null;
    var held = moderator && card && card.status === "pending";
    var done = true;
    if (key === "j" || key === "ArrowDown") move(1);
    else if (key === "k" || key === "ArrowUp") move(-1);
    else if (key === "a" && held) approve(card.id);
    else if (key === "r" && held) open(card.id, "reject");
    else if (key === "f" && held && card.similar) merge(card.id);
    else if (key === "m" && held) open(card.id, "mute");
    else if (key === "n") next();
    else if (key === "Escape" && panel) close();
    else done = false;
    if (done) event.preventDefault();
  });

  // -- requests to the bot ------------------------------------------------------------------------
  function post(path, payload) {
    return fetch("/console/" + page.live + "/" + path, {
      method: "POST",
      headers: {
        "Authorization": "Bearer " + token,
        "Content-Type": "application/json",
        "X-Console-Version": version
      },
      body: JSON.stringify(payload || {})
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false }; }).then(function (data) {
        if (response.status === 401 || response.status === 403) finish(data.message);
        return data;
      });
    }, function () { return { ok: false, message: words.network_error }; });
  }

  function act(payload) {
    say(words.working, false);
    return post("act", payload).then(function (data) {
      say(data.message || words.network_error, !data.ok);
      return data;
    });
  }

  function approve(id) { act({ action: "approve", question: id }); }
  function reject(id, reason) {
    panel = null;
    act({ action: "reject", question: id, reason: reason || null });
  }
  function merge(id) { act({ action: "merge", question: id, into: cards.get(id).similar }); }
  function mute(id) { panel = null; act({ action: "mute", question: id }); draw(cards.get(id)); }
  function next() { act({ action: "next" }); }

  $("next").addEventListener("click", next);
  $("logout").addEventListener("click", function () {
    post("logout").then(function (data) { finish(data.message || words.session_ended); });
  });
  $("overlay-new").addEventListener("click", function () {
    post("overlay").then(function (data) {
      if (!data.ok) return say(data.message || words.network_error, true);
      var field = $("overlay-url");
      field.hidden = false;
      field.value = data.url;
      field.focus();
      field.select();
    });
  });
  $("overlay-revoke").addEventListener("click", function () {
    post("overlay/revoke").then(function (data) {
      $("overlay-url").hidden = true;
      say(data.message || words.network_error, !data.ok);
    });
  });

  // -- live updates -------------------------------------------------------------------------------
  function finish(message) {
    ended = true;
    if (events) events.close();
    say(message || words.session_ended, true);
    $("connection").textContent = "";
    Array.from(document.querySelectorAll("button")).forEach(function (b) { b.disabled = true; });
  }

  var url = "/console/" + page.live + "/events?t=" + encodeURIComponent(token) +
    (lang ? "&lang=" + encodeURIComponent(lang) : "");
  var events = new EventSource(url);
  events.onopen = function () { $("connection").textContent = "● " + words.live; };
  events.onerror = function () {
    if (ended) return;
    if (events.readyState === EventSource.CLOSED) finish(words.session_ended);
    else $("connection").textContent = words.reconnecting;
  };
  events.onmessage = function (event) {
    var message = JSON.parse(event.data);
    var data = message.data;
    if (message.type === "state") {
      Array.from(cards.keys()).forEach(remove);
      data.cards.forEach(upsert);
      if (data.live) showLive(data.live);
    } else if (message.type === "card") {
      upsert(data);
    } else if (message.type === "remove") {
      remove(data);
    } else if (message.type === "decided") {
      var said = words["decided." + data.status];
      if (said) say(fmt(said, { id: data.id, by: data.by || words.someone, into: data.into }), false);
    } else if (message.type === "live") {
      showLive(data);
    } else if (message.type === "ended") {
      finish(words.session_ended);
    }
  };

  function showLive(live) {
    var status = words["status." + live.status] || live.status;
    $("connection").dataset.status = live.status;
    $("title").textContent = document.title + " · " + status;
    $("next").disabled = ended || live.status !== "live";
  }
})();
