// The app's client hooks, given to the official LiveSocket by the page's boot script. A hook runs in the
// browser for each element with phx-hook="<name>" (and an id).
export const hooks = {
  // Shows the visitor's local time: something only the browser knows.
  LocalTime: {
    mounted() {
      const tick = () => {
        this.el.textContent = new Date().toLocaleTimeString();
      };
      tick();
      this.timer = setInterval(tick, 1000);
    },
    destroyed() {
      clearInterval(this.timer);
    },
  },
};
