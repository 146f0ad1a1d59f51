// GOV.UK Frontend's components enhance the pages they find; the pages work without it.
import { initAll } from "./govuk-frontend.min.js";

initAll();
