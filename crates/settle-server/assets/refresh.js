// settle's only script: a page that waits for background work marks itself with
// <div id="refresh" data-seconds="N" hidden>, and is reloaded every N seconds until the
// work is done (the mark is gone). Without script the page has a link to reload it.
(function () {
  var mark = document.getElementById("refresh");
  var seconds = mark ? Number(mark.getAttribute("data-seconds")) : 0;
  if (seconds > 0) {
    setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
})();
