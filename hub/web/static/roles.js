// Which console is whose. The hub enforces the data scope behind each console;
// this only decides where people land and which pages they are offered.

/** The console each role lands on after sign-in. */
export const HOME = {
  community_officer: "duty",
  street_officer: "street",
  property_security: "security",
  caregiver: "care",
  auditor: "street",
  admin: "duty",
};

/** Who may open which console (the API enforces the data scope behind each). */
export const ALLOWED = {
  duty: ["community_officer", "admin"],
  street: ["street_officer", "auditor", "admin"],
  security: ["property_security", "admin"],
  care: ["caregiver", "admin"],
};
