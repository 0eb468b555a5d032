// The chat's client hooks, passed to the official LiveSocket by the page's boot script.
export const hooks = {
  // Keeps the newest message in view when one arrives, unless the reader scrolled up to read older ones.
  ScrollDown: {
    mounted() {
      this.el.scrollTop = this.el.scrollHeight;
    },
    beforeUpdate() {
      this.pinned = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80;
    },
    updated() {
      if (this.pinned) this.el.scrollTop = this.el.scrollHeight;
    },
  },
};
