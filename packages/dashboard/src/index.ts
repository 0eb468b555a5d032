export { type DashboardOptions, dashboard } from "./dashboard.js";
