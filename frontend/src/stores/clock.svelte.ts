/** A coarse reactive "now" so relative times ("5 мин") move on without a reload. */
let now = $state(new Date());

setInterval(() => {
  now = new Date();
}, 30_000);

export const clock = {
  get now(): Date {
    return now;
  },
};
