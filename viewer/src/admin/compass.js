/* The heading control: a compass dial (role="slider") tied to a number field.
 *
 * Keyboard: arrow keys turn by 1 degree (right/up clockwise), Page Up / Page Down by 15, Home
 * to north (0), End to 270; a click or a drag on the dial points it there. The number field
 * stays the value the form sends; the dial follows it, and it follows the dial.
 */
const STEP = 1;
const BIG_STEP = 15;

function normalise(degrees) {
  const value = ((degrees % 360) + 360) % 360;
  return Math.round(value * 10) / 10;
}

export function compass(dial, needle, field) {
  function show(value) {
    needle.setAttribute("transform", `rotate(${value})`);
    dial.setAttribute("aria-valuenow", String(value));
    dial.setAttribute("aria-valuetext", `${value}°`);
  }

  function set(value) {
    const heading = normalise(value);
    field.value = String(heading);
    show(heading);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }

  field.addEventListener("input", () => {
    const value = Number(field.value);
    if (field.value !== "" && Number.isFinite(value)) show(normalise(value));
  });

  dial.addEventListener("keydown", (event) => {
    const now = Number(field.value) || 0;
    const moves = {
      ArrowRight: now + STEP, ArrowUp: now + STEP, ArrowLeft: now - STEP, ArrowDown: now - STEP,
      PageUp: now + BIG_STEP, PageDown: now - BIG_STEP, Home: 0, End: 270,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    set(moves[event.key]);
  });

  function pointTo(event) {
    const box = dial.getBoundingClientRect();
    const x = event.clientX - (box.left + box.width / 2);
    const y = event.clientY - (box.top + box.height / 2);
    set(Math.round((Math.atan2(x, -y) * 180) / Math.PI));
  }

  dial.addEventListener("pointerdown", (event) => {
    dial.setPointerCapture(event.pointerId);
    pointTo(event);
    dial.focus();
  });
  dial.addEventListener("pointermove", (event) => {
    if (dial.hasPointerCapture(event.pointerId)) pointTo(event);
  });

  const start = Number(field.value);
  show(normalise(Number.isFinite(start) ? start : 0));
}
