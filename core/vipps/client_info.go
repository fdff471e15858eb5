package vipps

// MSN is the Merchant Serial Number the client sends, "" when it sends none.
func (c *Client) MSN() string { return c.cfg.Credentials.MSN }
