/* scodub review: the waveform strip under the film: the dialogue's peaks (made by
 * scodub.review.media), the cue boxes of one column and the play head, over 30 s around
 * the film's time; a click reports the time clicked. Part of scodub (MIT). */
"use strict";

const ScodubWave = (() => {
  /** canvas, video, film (the page data's film: waveform, duration_ms); cells() the
   * [start, end, ...] boxes to draw; current() the cue drawn highlighted; onClick(ms). */
  function create({ canvas, video, film, cells, current, onClick }) {
    const peaks = film.waveform ? Uint8Array.from(atob(film.waveform.peaks), (c) => c.charCodeAt(0)) : new Uint8Array(0);
    const rate = film.waveform ? film.waveform.rate : 20;
    const WINDOW_MS = Math.min(30000, Math.max(film.duration_ms, 1000));
    function windowMs() {
      const now = video.currentTime * 1000 || 0;
      const start = Math.max(0, Math.min(now - WINDOW_MS / 3, film.duration_ms - WINDOW_MS));
      return [start, start + WINDOW_MS];
    }
    function draw() {
      const width = canvas.clientWidth;
      if (canvas.width !== width) canvas.width = width;
      const ctx = canvas.getContext("2d"), h = canvas.height;
      const [a, b] = windowMs();
      const x = (ms) => ((ms - a) / (b - a)) * width;
      ctx.clearRect(0, 0, width, h);
      const boxes = cells(), now = current();
      for (let i = 0; i < boxes.length; i++) {
        const [s, e, text] = boxes[i];
        if (e < a || s > b || text === "") continue; // a cue deleted on the page
        ctx.fillStyle = i === now ? "rgba(255,190,60,.45)" : "rgba(90,150,255,.25)";
        ctx.fillRect(x(s), 0, Math.max(1, x(e) - x(s)), h);
        ctx.fillStyle = "#334";
        ctx.fillText(String(i + 1), x(s) + 2, 10);
      }
      ctx.fillStyle = "#2a4";
      const first = Math.floor((a / 1000) * rate), last = Math.ceil((b / 1000) * rate);
      for (let k = Math.max(0, first); k < Math.min(peaks.length, last); k++) {
        const v = (peaks[k] / 255) * (h / 2 - 4);
        ctx.fillRect(x((k * 1000) / rate), h / 2 - v, Math.max(1, width / (last - first) - 0.5), 2 * v);
      }
      ctx.fillStyle = "#d22";
      ctx.fillRect(x(video.currentTime * 1000), 0, 2, h);
    }
    canvas.addEventListener("click", (event) => {
      const [a, b] = windowMs();
      const rect = canvas.getBoundingClientRect();
      onClick(a + ((event.clientX - rect.left) / rect.width) * (b - a));
    });
    window.addEventListener("resize", draw);
    return { draw };
  }
  return { create };
})();
