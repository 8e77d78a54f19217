package web

func init() {
	addMessages(langID, map[string]string{
		"ledger.credited": "Dompet dikreditkan",
	})
	addMessages(langEN, map[string]string{
		"ledger.credited": "Wallets credited",
	})
}
