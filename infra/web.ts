/**
 * The security headers of the board's pages, as data: the local runtime's board server sends them
 * (packages/local/src/board-static.ts) and on AWS a CloudFront response headers policy on the Router does
 * (stacks/web.ts). The board loads only its own scripts and styles and talks only to its own origin;
 * `frame-ancestors 'none'` keeps it out of other sites' frames (clickjacking).
 */
export const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
