// The discussion on a card or a task page follows new, edited and deleted messages without a
// reload. It asks the server (DiscussionView.updates) every few seconds while the tab is
// visible, and stops when the tab is hidden, when the reader is signed out or may no longer
// see the invoice. Polling, not a held connection: each web process stays free for other
// requests and any proxy passes it. Messages arrive rendered (and escaped) by the server.
(function () {
  "use strict";
  var thread = document.querySelector("ul[data-updates]");
  if (!thread) {
    return;
  }
  var every = Math.max(3, Number(thread.dataset.pollSeconds) || 10) * 1000;
  var longest = 5 * 60 * 1000; // after errors, wait at most this long between asks
  var since = Number(thread.dataset.since) || 0;
  var at = thread.dataset.at;
  var wait = every;
  var timer = null;
  var stopped = false;

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = null;
    if (!stopped && !document.hidden) {
      timer = window.setTimeout(ask, ms);
    }
  }

  function ask() {
    var query = new URLSearchParams({ since: since, at: at, back: thread.dataset.back || "" });
    window.fetch(thread.dataset.updates + "?" + query.toString(), {
      credentials: "same-origin",
      redirect: "manual", // signed out: the login page is no answer to read
      headers: { Accept: "application/json", "X-Background": "poll" }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || [401, 403, 404].indexOf(response.status) >= 0) {
        stopped = true;
        return null;
      }
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    }).then(function (answer) {
      if (!answer) {
        return;
      }
      show(answer.messages);
      since = answer.since;
      at = answer.at;
      wait = every;
      schedule(answer.more ? 0 : every);
    }).catch(function () {
      wait = Math.min(wait * 2, longest);
      schedule(wait);
    });
  }

  function show(messages) {
    messages.forEach(function (message) {
      var template = document.createElement("template");
      template.innerHTML = message.html.trim();
      var fresh = template.content.firstElementChild;
      var shown = document.getElementById("message-" + message.id);
      if (shown) {
        // Never throw away what the reader is typing into an open edit form.
        if (!shown.querySelector("details[open]")) {
          shown.replaceWith(fresh);
        }
        return;
      }
      var empty = thread.querySelector("[data-empty]");
      if (empty) {
        empty.remove();
      }
      thread.appendChild(fresh);
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      window.clearTimeout(timer);
      timer = null;
    } else {
      schedule(0);
    }
  });
  schedule(every);
})();
