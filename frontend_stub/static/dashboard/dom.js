// Small DOM helpers for the dashboard. Text goes in as text nodes, never as HTML.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** Briefly highlights a node that changed (the `flash` class lasts one animation). */
export function flash(node) {
  node.classList.remove("flash");
  void node.offsetWidth; // restarts the animation when the node flashes again
  node.classList.add("flash");
  node.addEventListener("animationend", () => node.classList.remove("flash"), { once: true });
}

export function clockTime(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
}

/** Calls `render` once, `delay` ms after the first of a burst of calls to the returned function. */
export function batched(render, delay = 50) {
  let timer = 0;
  return () => {
    if (!timer) timer = setTimeout(() => ((timer = 0), render()), delay);
  };
}
