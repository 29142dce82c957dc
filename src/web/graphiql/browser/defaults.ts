// What a first-time visitor sees. Kept apart from the entry so the page's wording can be
// read (and tested) without a browser.

export const TOKEN_PLACEHOLDER = 'Bearer <paste the output of: npx gridhub token city.admin>';

export const DEFAULT_HEADERS = JSON.stringify({ Authorization: TOKEN_PLACEHOLDER }, null, 2);

export const DEFAULT_QUERY = `# gridhub GraphiQL
#
# 1. Sign in with the bar above (Sign in, or Demo sign-in on the demo);
#    or get a token:  npx gridhub token city.admin
#    and paste it into the Authorization header (Headers tab, below).
# 2. Run with Ctrl-Enter.
#
# Subscriptions run over WebSocket with the same credentials.

{
  me {
    name
    roles
    unit {
      code
      name
      tier
    }
  }
}

# Alerts visible to you (field names: see Docs on the left):
#
# {
#   alerts(first: 10) {
#     edges {
#       node { id type severity status occurredAt source }
#     }
#   }
# }
#
# Live alerts (keep it running, raise one from another tab):
#
# subscription {
#   alertRaised { id type severity status occurredAt }
# }
`;
