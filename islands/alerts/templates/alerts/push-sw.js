/* Service worker of cryptodash's alerts: shows a pushed alert as a notification and opens the
   alerts page when it is clicked. The payload is the fire (islands/alerts/messages.py). */
self.addEventListener("push", (event) => {
  let fire = {};
  try { fire = event.data ? event.data.json() : {}; } catch (err) { fire = {}; }
  const lang = (self.navigator.language || "vi").slice(0, 2);
  const text = (fire.text && (fire.text[lang] || fire.text.vi || fire.text.en)) || "cryptodash";
  event.waitUntil(self.registration.showNotification("cryptodash", {
    body: fire.note ? text + " — " + fire.note : text,
    tag: "alert-" + (fire.fire_id || ""),
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/alerts"));
});
