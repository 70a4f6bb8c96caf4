// The review page's one piece of interactivity: decide on a match without reloading the page.
// Without JavaScript the same forms post normally and the server redirects back.
"use strict";
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.classList || !form.classList.contains("decide")) return;
  event.preventDefault();
  const body = new FormData(form);
  if (event.submitter && event.submitter.name) body.set(event.submitter.name, event.submitter.value);
  const item = form.closest("li");
  form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
  try {
    const response = await fetch(form.action, {
      method: "POST", body, headers: { Accept: "application/json" }, credentials: "same-origin",
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error || response.statusText);
    if (answer.pending) {
      const note = document.createElement("div");
      note.className = "pending";
      note.textContent = "Dismissal asked: waiting for a second reviewer.";
      form.replaceWith(note);
    } else if (item && document.getElementById("open-count")) {
      item.remove();  // it left the queue
      const count = document.getElementById("open-count");
      count.textContent = String(Math.max(0, Number(count.textContent) - 1));
    } else {
      const status = item && item.querySelector(".status");
      if (status) status.textContent = answer.status;
      form.remove();
    }
  } catch (error) {
    form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    let message = form.querySelector(".error");
    if (!message) {
      message = document.createElement("div");
      message.className = "error";
      message.setAttribute("role", "alert");
      form.append(message);
    }
    message.textContent = String(error.message || error);
  }
});
